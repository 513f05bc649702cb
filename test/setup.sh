#!/usr/bin/env bash
# test/setup.sh — install and start everything ctrace's test tiers need, on a
# Debian 12 / Ubuntu machine, as root, without stdin (CI runs it on a clean clone).
#
#   apt packages  -> Go toolchain check -> tracefs -> dockerd -> test image(s)
#
# Idempotent and fast when everything is already there; one output line per step.
# Concurrent runs are serialised with flock. It exports nothing to the caller.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)

APT_PACKAGES=(docker.io containerd busybox-static clang-14 llvm-14 libbpf-dev strace bpftrace crun
	iproute2 make git ca-certificates gcc-multilib libssl3 libpcre2-8-0 python3)
APT_LOG=/var/log/ctrace-test-setup-apt.log
DOCKERD_LOG=/var/log/ctrace-test-dockerd.log
DOCKERD_DEADLINE=60
LOCK_FILE=/run/lock/ctrace-test-setup.lock
LOCK_DEADLINE=900

IMAGE_REPO=ctrace-test/busybox
BUSYBOX=/bin/busybox
# Applets linked in the test image. Changing anything that feeds recipe_hash
# (this list, build_rootfs, the busybox binary) re-imports the image on next run.
APPLETS=(sh cat ls echo sleep dd nc true head wget mkdir touch rm stat seq printf yes env id hostname)

log() { printf 'setup: %s\n' "$*"; }
die() {
	printf 'setup: FAILED: %s\n' "$*" >&2
	exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and starts dockerd)"

# ---- lock --------------------------------------------------------------------
[[ -d ${LOCK_FILE%/*} ]] || LOCK_FILE=/tmp/ctrace-test-setup.lock
command -v flock >/dev/null || die "flock not found (package util-linux)"
exec 9>"$LOCK_FILE"
if flock -n 9; then
	log "lock: acquired $LOCK_FILE"
else
	log "lock: another setup.sh is running, waiting (up to ${LOCK_DEADLINE}s)"
	flock -w "$LOCK_DEADLINE" 9 || die "could not acquire $LOCK_FILE within ${LOCK_DEADLINE}s"
fi

WORK_DIR=""
cleanup() { [[ -z $WORK_DIR ]] || rm -rf -- "$WORK_DIR"; }
trap cleanup EXIT

# ---- apt packages ------------------------------------------------------------
APT_UPDATED=0
apt_update_once() {
	[[ $APT_UPDATED -eq 0 ]] || return 0
	DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >>"$APT_LOG" 2>&1 ||
		die "apt-get update failed; last lines of $APT_LOG: $(tail -n 3 "$APT_LOG" | tr '\n' ' ')"
	APT_UPDATED=1
}
apt_install() {
	apt_update_once
	DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1 \
		apt-get install -y -q -o Dpkg::Use-Pty=0 "$@" </dev/null >>"$APT_LOG" 2>&1 ||
		die "apt-get install $* failed; last lines of $APT_LOG: $(tail -n 3 "$APT_LOG" | tr '\n' ' ')"
}
# Prints the names of the given packages that are not fully installed.
missing_packages() {
	local status
	status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)
	local p
	for p in "$@"; do
		grep -qx "$p installed" <<<"$status" || printf '%s\n' "$p"
	done
}

mapfile -t MISSING < <(missing_packages "${APT_PACKAGES[@]}")
if [[ ${#MISSING[@]} -eq 0 ]]; then
	log "packages: all ${#APT_PACKAGES[@]} present"
else
	apt_install "${MISSING[@]}"
	log "packages: installed ${MISSING[*]} (log $APT_LOG)"
fi

# ---- Go toolchain ------------------------------------------------------------
version_ge() { dpkg --compare-versions "$1" ge "$2"; }
# go_version BINARY -> "1.26.8" (asks the binary itself, never a toolchain switch)
go_version() { (cd / && GOTOOLCHAIN=local GOFLAGS='' "$1" env GOVERSION 2>/dev/null) | sed -e 's/^go//' -e 's/[ -].*//'; }

GO_REQUIRED=$(awk '$1 == "go" { print $2; exit }' "$REPO_ROOT/go.mod" 2>/dev/null || true)
[[ -n $GO_REQUIRED ]] || die "cannot read the go version from $REPO_ROOT/go.mod"
if command -v go >/dev/null; then
	have=$(go_version go)
	if version_ge "${have:-0}" "$GO_REQUIRED"; then
		log "go: $(command -v go) is go$have (go.mod wants >= $GO_REQUIRED)"
	else
		log "go: WARNING $(command -v go) is go${have:-?}, older than go.mod's $GO_REQUIRED (go will try to switch toolchains)"
	fi
elif [[ -x /usr/local/go/bin/go ]]; then
	log "go: not on PATH; /usr/local/go/bin/go is go$(go_version /usr/local/go/bin/go) (the Makefile adds it to PATH)"
else
	apt_update_once
	candidate=$(apt-cache policy golang-go 2>/dev/null | awk '/Candidate:/ { print $2 }')
	cand_version=${candidate#*:}          # drop the epoch ("2:1.19~1" -> "1.19~1")
	cand_version=${cand_version%%[~+-]*} # drop the Debian suffix ("1.19~1" -> "1.19")
	if [[ -n $candidate && $candidate != "(none)" ]] && version_ge "$cand_version" "$GO_REQUIRED"; then
		apt_install golang-go
		log "go: installed Debian's golang-go $candidate"
	else
		die "no Go toolchain: go.mod needs go >= $GO_REQUIRED but Debian's golang-go is ${candidate:-unavailable}; install Go $GO_REQUIRED to /usr/local/go"
	fi
fi

# ---- tracefs -----------------------------------------------------------------
if mountpoint -q /sys/kernel/tracing 2>/dev/null; then
	log "tracefs: mounted at /sys/kernel/tracing"
elif mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
	log "tracefs: mounted it at /sys/kernel/tracing"
else
	log "tracefs: could not mount /sys/kernel/tracing (continuing; tracepoint tests may fail)"
fi

# ---- dockerd -----------------------------------------------------------------
docker_ok() { timeout 15 docker info >/dev/null 2>&1; }

if docker_ok; then
	log "dockerd: running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
else
	command -v docker >/dev/null || die "docker CLI not found after installing docker.io"
	how=""
	if pgrep -x dockerd >/dev/null; then
		how="already starting (pid $(pgrep -x dockerd | head -n 1))"
	elif [[ -d /run/systemd/system ]] && timeout 60 systemctl start docker >/dev/null 2>&1; then
		how="started via systemctl"
	else
		dockerd_bin=$(command -v dockerd || true)
		[[ -n $dockerd_bin ]] || dockerd_bin=/usr/sbin/dockerd
		[[ -x $dockerd_bin ]] || die "dockerd not found (package docker.io)"
		# New session, no stdin/stdout/stderr of ours, and NOT our lock fd (9): an
		# inherited lock fd would keep the lock held for dockerd's lifetime.
		setsid nohup "$dockerd_bin" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
		how="started in the background (pid $!, log $DOCKERD_LOG)"
	fi
	deadline=$((SECONDS + DOCKERD_DEADLINE))
	until docker_ok; do
		if ((SECONDS >= deadline)); then
			die "dockerd ($how) not ready within ${DOCKERD_DEADLINE}s; last lines of $DOCKERD_LOG: $(tail -n 5 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' ')"
		fi
		sleep 0.5
	done
	log "dockerd: $how, ready after $((SECONDS + DOCKERD_DEADLINE - deadline))s"
fi

# ---- test image: ctrace-test/busybox -----------------------------------------
# build_rootfs DIR: the whole recipe. Its source text is part of recipe_hash.
build_rootfs() {
	local d=$1 a
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root" "$d/dev" "$d/proc" "$d/sys"
	chmod 0755 "$d" "$d/bin" "$d/etc" "$d/dev" "$d/proc" "$d/sys"
	chmod 1777 "$d/tmp"
	chmod 0700 "$d/root"
	cp -- "$BUSYBOX" "$d/bin/busybox"
	chmod 0755 "$d/bin/busybox"
	for a in "${APPLETS[@]}"; do
		ln -s busybox "$d/bin/$a"
	done
	printf 'ctrace-test\n' >"$d/etc/hostname"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
	chmod 0644 "$d/etc/hostname" "$d/etc/passwd" "$d/etc/group"
}
IMAGE_CHANGES=(
	--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	--change 'CMD ["/bin/sh"]'
)

[[ -x $BUSYBOX ]] || die "$BUSYBOX missing (package busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; install busybox-static (it replaces busybox)"
fi
busybox_applets=$("$BUSYBOX" --list)
for a in "${APPLETS[@]}"; do
	grep -qx -- "$a" <<<"$busybox_applets" || die "$BUSYBOX has no '$a' applet"
done

recipe_hash=$(
	{
		echo "ctrace-test/busybox recipe v1"
		declare -f build_rootfs
		printf '%s\n' "${APPLETS[@]}" "${IMAGE_CHANGES[@]}"
		sha256sum <"$BUSYBOX"
	} | sha256sum | cut -c1-16
)
IMAGE_LATEST="$IMAGE_REPO:latest"

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# import_image REPO HASH WHAT BUILD...: unless REPO:HASH exists, run
# BUILD... DIR on a fresh DIR, import DIR as REPO:HASH (IMAGE_CHANGES applied,
# message "ctrace WHAT, recipe HASH"); then make REPO:latest point to it.
import_image() {
	local repo=$1 hash=$2 what=$3 tag latest id
	shift 3
	tag="$repo:$hash"
	latest="$repo:latest"
	id=$(image_id "$tag")
	if [[ -z $id ]]; then
		[[ -z $WORK_DIR ]] || rm -rf -- "$WORK_DIR"
		WORK_DIR=$(mktemp -d /tmp/ctrace-test-rootfs.XXXXXX)
		"$@" "$WORK_DIR/rootfs" || die "$what: $* failed"
		tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
			-C "$WORK_DIR/rootfs" -cf "$WORK_DIR/rootfs.tar" .
		docker import "${IMAGE_CHANGES[@]}" --message "ctrace $what, recipe $hash" \
			"$WORK_DIR/rootfs.tar" "$tag" >/dev/null ||
			die "docker import of $tag failed"
		docker tag "$tag" "$latest"
		log "image: imported $tag and tagged $latest"
	elif [[ $(image_id "$latest") != "$id" ]]; then
		docker tag "$tag" "$latest"
		log "image: $tag present, re-tagged $latest to it"
	else
		log "image: $latest is up to date (recipe $hash)"
	fi
}

import_image "$IMAGE_REPO" "$recipe_hash" "test image" build_rootfs

# ---- test image: ctrace-test/strace ------------------------------------------
# busybox + the host's strace and its libraries (test/e2e/strace_test.go). The
# recipe is test/images/strace/build-rootfs.sh; its text and every host file it
# copies (--inputs) feed the tag, so a new strace or libc re-imports the image.
STRACE_RECIPE=$REPO_ROOT/test/images/strace/build-rootfs.sh
STRACE_REPO=ctrace-test/strace
[[ -f $STRACE_RECIPE ]] || die "$STRACE_RECIPE missing"
strace_inputs=$(bash "$STRACE_RECIPE" --inputs) || die "strace image: $STRACE_RECIPE --inputs failed"
strace_hash=$(
	{
		echo "ctrace-test/strace recipe v1"
		cat "$STRACE_RECIPE"
		printf '%s\n' "${IMAGE_CHANGES[@]}"
		while IFS= read -r f; do
			printf '%s ' "$f"
			sha256sum <"$f"
		done <<<"$strace_inputs"
	} | sha256sum | cut -c1-16
)

import_image "$STRACE_REPO" "$strace_hash" "strace test image" bash "$STRACE_RECIPE"

# ---- CRI test runtime: a containerd of our own with its CRI plugin -----------
# (internal/containers/cri/real_test.go). Docker's containerd is never
# touched: this one has its own config, socket, root and state under
# $CRI_DIR. Pods run with host networking (no CNI here) and a pause image
# made from the busybox image; restrict_oom_score_adj because lowering
# oom_score_adj needs CAP_SYS_RESOURCE, which this machine's root lacks.
CRI_DIR=/run/ctrace-test-cri
CRI_SOCK=$CRI_DIR/containerd.sock
CRI_CONFIG="version = 2
root = \"$CRI_DIR/root\"
state = \"$CRI_DIR/state\"
[grpc]
  address = \"$CRI_SOCK\"
[ttrpc]
  address = \"$CRI_SOCK.ttrpc\"
[debug]
  address = \"\"
[metrics]
  address = \"\"
[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"docker.io/ctrace-test/pause:latest\"
  stream_server_address = \"127.0.0.1\"
  stream_server_port = \"0\"
  restrict_oom_score_adj = true
  [plugins.\"io.containerd.grpc.v1.cri\".cni]
    bin_dir = \"$CRI_DIR/cni/bin\"
    conf_dir = \"$CRI_DIR/cni/conf\""
cri_ok() { timeout 10 ctr -a "$CRI_SOCK" version >/dev/null 2>&1; }

mkdir -p "$CRI_DIR/root" "$CRI_DIR/state" "$CRI_DIR/cni/bin" "$CRI_DIR/cni/conf"
if [[ "$(cat "$CRI_DIR/config.toml" 2>/dev/null)" != "$CRI_CONFIG" ]]; then
	printf '%s\n' "$CRI_CONFIG" >"$CRI_DIR/config.toml.new"
	mv "$CRI_DIR/config.toml.new" "$CRI_DIR/config.toml"
	if [[ -s $CRI_DIR/pid ]] && kill "$(cat "$CRI_DIR/pid")" 2>/dev/null; then
		for _ in $(seq 50); do cri_ok || break; sleep 0.2; done
		log "cri: config changed, stopped the old instance"
	fi
fi
if cri_ok; then
	log "cri: containerd with CRI running at $CRI_SOCK"
else
	command -v containerd >/dev/null || die "containerd not found (package containerd)"
	setsid nohup containerd --config "$CRI_DIR/config.toml" </dev/null >>"$CRI_DIR/containerd.log" 2>&1 9>&- &
	echo $! >"$CRI_DIR/pid"
	deadline=$((SECONDS + 30))
	until cri_ok; do
		((SECONDS < deadline)) || die "cri: containerd not ready within 30s; last lines of $CRI_DIR/containerd.log: $(tail -n 5 "$CRI_DIR/containerd.log" | tr '\n' ' ')"
		sleep 0.2
	done
	log "cri: started containerd with CRI at $CRI_SOCK (pid $(cat "$CRI_DIR/pid"), log $CRI_DIR/containerd.log)"
fi
# The pause image: the busybox image sleeping forever (recipe: the busybox image id).
PAUSE_TAG="ctrace-test/pause:$(image_id "$IMAGE_LATEST" | cut -d: -f2 | cut -c1-16)"
if [[ -z $(image_id "$PAUSE_TAG") ]]; then
	docker rm -f ctrace-setup-pause >/dev/null 2>&1 || true
	docker create --name ctrace-setup-pause "$IMAGE_LATEST" true >/dev/null
	docker export ctrace-setup-pause | docker import --change 'CMD ["/bin/sleep","2147483647"]' \
		--message "ctrace CRI test pause image" - "$PAUSE_TAG" >/dev/null || die "docker import of $PAUSE_TAG failed"
	docker rm ctrace-setup-pause >/dev/null
	log "image: imported $PAUSE_TAG"
fi
docker tag "$PAUSE_TAG" ctrace-test/pause:latest
# Imported again when docker's image id changed (a marker file remembers it).
for img in ctrace-test/pause:latest "$IMAGE_LATEST"; do
	want=$(image_id "$img")
	have=$(ctr -a "$CRI_SOCK" -n k8s.io images ls 2>/dev/null | awk -v r="docker.io/$img" '$1 == r { print "present" }')
	marker="$CRI_DIR/imported-$(echo "$img" | tr '/:' '__')"
	if [[ -n $have && "$(cat "$marker" 2>/dev/null)" == "$want" ]]; then
		continue
	fi
	docker save "$img" | ctr -a "$CRI_SOCK" -n k8s.io images import - >/dev/null || die "cri: importing $img failed"
	echo "$want" >"$marker"
	log "cri: imported $img into the CRI runtime"
done
log "cri: images ready"

# ---- crun as a second Docker runtime (seccomp e2e tests) ---------------------
# Debian's crun 1.8 refuses hybrid cgroups while cgroup v2 holds a controller:
# move hugetlb (the only one it holds here) to a v1 hierarchy, then register
# crun in daemon.json and reload dockerd (SIGHUP: no restart).
unified=/sys/fs/cgroup/unified
if [[ -f $unified/cgroup.controllers ]] && grep -qw hugetlb "$unified/cgroup.controllers"; then
	mkdir -p /sys/fs/cgroup/hugetlb
	mountpoint -q /sys/fs/cgroup/hugetlb || mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb ||
		die "could not move the hugetlb controller to /sys/fs/cgroup/hugetlb (crun needs cgroup v2 without controllers on hybrid hosts)"
	log "crun: moved the hugetlb controller from cgroup v2 to /sys/fs/cgroup/hugetlb"
fi
crun_registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"crun"'; }
if crun_registered; then
	log "crun: registered as a Docker runtime"
else
	CRUN_BIN=$(command -v crun) || die "crun not found (package crun)"
	python3 - "$CRUN_BIN" <<'PY' || die "could not register crun in /etc/docker/daemon.json"
import json, os, sys
path = "/etc/docker/daemon.json"
cfg = {}
if os.path.exists(path):
    with open(path) as f:
        text = f.read().strip()
    cfg = json.loads(text) if text else {}
cfg.setdefault("runtimes", {})["crun"] = {"path": sys.argv[1]}
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path + ".tmp", "w") as f:
    json.dump(cfg, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
PY
	dockerd_pid=$(cat /var/run/docker.pid 2>/dev/null || pgrep -x -o dockerd || true)
	[[ -n $dockerd_pid ]] && kill -HUP "$dockerd_pid" || die "could not signal dockerd (pid ${dockerd_pid:-?}) to reload daemon.json"
	deadline=$((SECONDS + 30))
	until crun_registered; do
		((SECONDS < deadline)) || die "dockerd did not pick up the crun runtime from /etc/docker/daemon.json within 30s"
		sleep 0.5
	done
	log "crun: registered $CRUN_BIN in /etc/docker/daemon.json and reloaded dockerd"
fi

# ---- test image: ctrace-test/seccomp ------------------------------------------
# busybox + Debian's nginx (downloaded as a .deb, never installed: no service
# starts on the host) + a static 32-bit program. Recipe:
# test/images/seccomp/build-rootfs.sh; its text and inputs feed the tag.
SECCOMP_RECIPE=$REPO_ROOT/test/images/seccomp/build-rootfs.sh
SECCOMP_REPO=ctrace-test/seccomp
DEB_CACHE=/var/cache/ctrace-test/debs
mkdir -p "$DEB_CACHE"
nginx_version=$(apt-cache policy nginx 2>/dev/null | awk '/Candidate:/ { print $2 }')
if [[ -z $nginx_version || $nginx_version == "(none)" ]]; then
	apt_update_once
	nginx_version=$(apt-cache policy nginx 2>/dev/null | awk '/Candidate:/ { print $2 }')
fi
[[ -n $nginx_version && $nginx_version != "(none)" ]] || die "no nginx package candidate in apt (apt-get update?)"
NGINX_DEB=$(ls "$DEB_CACHE"/nginx_"${nginx_version#*:}"_*.deb 2>/dev/null | head -n 1 || true)
if [[ -z $NGINX_DEB ]]; then
	(cd "$DEB_CACHE" && apt-get download -q "nginx=$nginx_version" </dev/null >>"$APT_LOG" 2>&1) ||
		{ apt_update_once && (cd "$DEB_CACHE" && apt-get download -q nginx </dev/null >>"$APT_LOG" 2>&1); } ||
		die "apt-get download nginx failed; last lines of $APT_LOG: $(tail -n 3 "$APT_LOG" | tr '\n' ' ')"
	NGINX_DEB=$(ls -t "$DEB_CACHE"/nginx_*.deb | head -n 1)
	log "nginx: downloaded $(basename "$NGINX_DEB") (not installed)"
fi
export NGINX_DEB
seccomp_inputs=$(bash "$SECCOMP_RECIPE" --inputs) || die "seccomp image: $SECCOMP_RECIPE --inputs failed"
seccomp_hash=$(
	{
		echo "ctrace-test/seccomp recipe v1"
		cat "$SECCOMP_RECIPE"
		printf '%s\n' "${IMAGE_CHANGES[@]}"
		gcc --version | head -n 1
		while IFS= read -r f; do
			printf '%s ' "$(basename "$f")"
			sha256sum <"$f"
		done <<<"$seccomp_inputs"
	} | sha256sum | cut -c1-16
)
import_image "$SECCOMP_REPO" "$seccomp_hash" "seccomp test image" bash "$SECCOMP_RECIPE"

log "done"
