// Stdout of the facts script captured on real hosts (Debian 12 lab host: meminfo trimmed; Ubuntu 24.04
// server on arm64; an Alpine-like minimal box with busybox tools and OpenRC).
export const DEBIAN_12 = `@@deploy-fact os
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
@@deploy-fact arch
x86_64
@@deploy-fact init
systemd
systemd-running
@@deploy-fact packageManager
apt-get
@@deploy-fact hostname
web-01
@@deploy-fact addresses
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: host0    inet 10.77.0.11/24 brd 10.77.0.255 scope global host0\\       valid_lft forever preferred_lft forever
@@deploy-fact memoryMb
MemTotal:        2013848 kB
MemFree:          612944 kB
MemAvailable:    1612300 kB
@@deploy-fact cpus
2
@@deploy-fact sshClient
10.77.0.1
`;
export const UBUNTU_2404 = `@@deploy-fact os
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
@@deploy-fact arch
aarch64
@@deploy-fact init
systemd
systemd-running
@@deploy-fact packageManager
apt-get
@@deploy-fact hostname
app-2
@@deploy-fact addresses
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: enp1s0    inet 10.0.0.5/24 metric 100 brd 10.0.0.255 scope global dynamic enp1s0\\       valid_lft 3201sec preferred_lft 3201sec
3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever
2: enp1s0    inet 10.0.0.6/24 scope global secondary enp1s0\\       valid_lft forever preferred_lft forever
@@deploy-fact memoryMb
MemTotal:        8131244 kB
MemFree:         5120044 kB
@@deploy-fact cpus
4
@@deploy-fact sshClient
2001:db8::7
`;
export const ALPINE_MINIMAL = `@@deploy-fact os
NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
@@deploy-fact arch
x86_64
@@deploy-fact init
init
@@deploy-fact packageManager
apk
@@deploy-fact hostname
tiny
@@deploy-fact addresses
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue state UP
    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
@@deploy-fact memoryMb
MemTotal:         502440 kB
@@deploy-fact cpus
1
@@deploy-fact sshClient

`;
