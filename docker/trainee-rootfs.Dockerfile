# dnslab's trainee image for offline sites, built by
# `dnslab image build trainee --rootfs DIR` from a Debian root filesystem
# made with debootstrap (see docker/README.md); dnslab adds itself.
FROM scratch
COPY rootfs/ /
COPY dnslab /usr/local/bin/dnslab
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
WORKDIR /workspace
CMD ["/bin/bash"]
