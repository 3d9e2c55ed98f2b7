# dnslab's node image, built by `dnslab image build node` (and by
# `dnslab up --backend docker` when it is missing or stale) from a build
# context dnslab makes itself: rootfs/ holds the running dnslab executable,
# stripped, and exactly the shared libraries `ldd` names for it. Nothing
# else: no shell, no package manager. Every lab node runs from it.
FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/usr/local/bin/dnslab"]
