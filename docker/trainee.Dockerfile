# dnslab's trainee image where a registry is reachable:
#
#   cp "$(command -v dnslab)" docker/dnslab
#   docker build -f docker/trainee.Dockerfile -t dnslab-trainee:0.1.0 docker/
#
# Offline (a classroom, CI), build the same image from a debootstrap root
# filesystem instead: `dnslab image build trainee --rootfs DIR`.
FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      bind9-utils bind9-dnsutils ldnsutils knot-dnsutils knot-dnssecutils unbound \
      openssh-server \
      nftables \
 && rm -rf /var/lib/apt/lists/*
COPY dnslab /usr/local/bin/dnslab
LABEL dnslab.managed=true dnslab.image=trainee dnslab.sshd=true
ENV LANG=C.UTF-8
WORKDIR /workspace
CMD ["/bin/bash"]
