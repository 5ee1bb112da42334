#!/usr/bin/env bash
# CI (issue 13): package the main build tree (scripts/setup.sh's `build`: portable, i.e. baseline x86-64
# with run-time AVX2/AVX-512 kernels, core/backend/cpu/cpu_isa.h) as a .deb with CPack, check its
# contents and metadata, install an older-versioned copy and then upgrade to it with apt as a user would,
# run the installed programs from /usr/bin with no source tree and no UDLAB_DATA_DIR (udlab-cli
# --version, 3 training steps on the bundled Tiny Shakespeare, eval, the desktop app offscreen), check
# that the user's runs and settings survive the upgrade and the removal, then remove the package.
# The main tree is packaged as it is, with no rebuild, when it is portable and has no CUDA backend (the
# .deb must start on any x86-64 without the CUDA runtime); otherwise (a -DUDLAB_NATIVE=ON or CUDA tree)
# scripts/package.sh builds a separate portable CPU-only tree first, and this says why.
# Needs root (CI runs as root); elsewhere it says so and skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${UDLAB_SKIP_DEB:-0}" = 1 ]; then
  echo "deb_package: skipped (UDLAB_SKIP_DEB=1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deb_package: skipped (installing a package needs root)"
  exit 0
fi
trap 'echo "deb_package: FAIL at line $LINENO: $BASH_COMMAND"' ERR
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=300)  # wait for another apt instead of failing
SRC=$(pwd)
B=${UDLAB_DEB_BUILD:-$SRC/build}
start=$(date +%s)
# Why the tree in $B cannot be shipped as it is (empty: it can).
unfit() {
  [ -f "$1/CMakeCache.txt" ] && [ -x "$1/app/udlab" ] && [ -x "$1/app/udlab-cli" ] || { echo "not built"; return; }
  grep -q "^UDLAB_NATIVE:BOOL=OFF" "$1/CMakeCache.txt" || { echo "built with -DUDLAB_NATIVE=ON"; return; }
  if ldd "$1/app/udlab-cli" | grep -q "libcudart\|libcublas"; then echo "it links the CUDA runtime"; fi
}
why=$(unfit "$B")
if [ -z "$why" ]; then
  echo "deb_package: packaging the main build tree $B (no rebuild)"
  cmake --build "$B" --target udlab udlab-cli >/dev/null  # up to date: a no-op
  (cd "$B" && cpack -G DEB >/dev/null)
else
  echo "deb_package: $B is not shippable ($why): building a portable CPU-only tree (scripts/package.sh)"
  B=$SRC/build-deb
  ./scripts/package.sh "$B"
fi
deb=$(ls "$B"/udlab_*_amd64.deb)
echo "deb_package: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(( $(date +%s) - start )) s"
T=$(mktemp -d)
trap 'rm -rf "$T"; dpkg -s udlab >/dev/null 2>&1 && apt-get remove -y -qq udlab >/dev/null || true' EXIT
fail() { echo "deb_package: FAIL: $*"; exit 1; }

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/bin/udlab /usr/bin/udlab-cli /usr/share/udlab/datasets/tinyshakespeare/input.txt \
         /usr/share/applications/io.github.udlab.udlab.desktop /usr/share/metainfo/io.github.udlab.udlab.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/io.github.udlab.udlab.svg \
         /usr/share/icons/hicolor/48x48/apps/io.github.udlab.udlab.png /usr/share/man/man1/udlab-cli.1.gz; do
  grep -qx "$f" "$T/contents" || fail "$f missing from the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_package: Depends: $depends"
maintainer=$(dpkg-deb -f "$deb" Maintainer)
echo "deb_package: Maintainer: $maintainer"
grep -Eq '^[^<>]+ <[^<>@ ]+@[^<>@ ]+>$' <<<"$maintainer" && ! grep -q "@invalid" <<<"$maintainer" ||
  fail "Maintainer is not 'Name <address>': $maintainer"
for lib in libqt6widgets6 libqt6charts6 libqt6network6 libgomp1 libstdc++6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done
if grep -q "cuda\|cublas" <<<"$depends"; then fail "the package depends on CUDA"; fi
mkdir -p "$T/x" && dpkg-deb -x "$deb" "$T/x"
desktop-file-validate "$T/x/usr/share/applications/io.github.udlab.udlab.desktop"
appstreamcli validate --no-net "$T/x/usr/share/metainfo/io.github.udlab.udlab.metainfo.xml"
# Portable: the package's build must not be -march=native, and it carries its AVX2/AVX-512 kernel copies.
[ -z "$(unfit "$B")" ] || fail "the packaged tree $B: $(unfit "$B")"

# An older version first, so that the real .deb installs as an upgrade.
(cd "$B" && cpack -G DEB -D CPACK_PACKAGE_VERSION=0.0.1 -D CPACK_PACKAGE_FILE_NAME=udlab-old -D CPACK_DEBIAN_FILE_NAME=udlab-old.deb >/dev/null)
"${APT[@]}" install "$B/udlab-old.deb" >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "installing the older package"; }
H=$T/home
mkdir -p "$H/.config/udlab"
printf '[runs]\nroot=%s/myruns\n' "$H" >"$H/.config/udlab/udlab.conf"
cd "$T"  # no source tree around, no data directory: only what the package installed
run() { env -i PATH=/usr/bin:/bin HOME="$H" XDG_RUNTIME_DIR="$T" QT_QPA_PLATFORM=offscreen "$@"; }
run /usr/bin/udlab-cli train --dataset tinyshakespeare --model lstm --hidden 16 --embed 8 --batch 4 --seq-len 16 \
  --steps 3 --val-tokens 500 --out "$H/myruns/old" --quiet
cp "$H/.config/udlab/udlab.conf" "$T/settings.before"

"${APT[@]}" install "$deb" >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "upgrading to $deb"; }
[ "$(dpkg-query -W -f='${Version}' udlab)" = "$(dpkg-deb -f "$deb" Version)" ] || fail "upgrade did not install $deb"
cmp -s "$H/.config/udlab/udlab.conf" "$T/settings.before" || fail "the upgrade changed the user's settings"
run /usr/bin/udlab-cli eval --run "$H/myruns/old" --max-tokens 500 >/dev/null || fail "a run made before the upgrade does not evaluate"

run /usr/bin/udlab-cli --version | grep -qx "udlab-cli $(dpkg-deb -f "$deb" Version)" || fail "udlab-cli --version"
run /usr/bin/udlab-cli data list | grep -q "bundled: /usr/share/udlab/datasets/tinyshakespeare/input.txt" || fail "data list"
run /usr/bin/udlab-cli train --dataset tinyshakespeare --model group-rnn --group o --d 4 --embed 8 --batch 4 \
  --seq-len 16 --steps 3 --val-tokens 500 --out "$H/myruns/new" 2>"$T/train.err" >/dev/null || { cat "$T/train.err"; fail "3 steps"; }
grep -q "using the copy bundled with udlab (/usr/share/udlab/datasets" "$T/train.err" || fail "train did not use the bundled copy"
# The installed binary picks its CPU kernels at run time (core/backend/cpu/cpu_isa.h); baseline always runs.
kernel() {
  run "$@" /usr/bin/udlab-cli bench --model lstm --hidden 16 --embed 8 --batch 2 --seq-len 8 --steps 1 --warmup 0 \
    --no-peak 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["kernel_path"])'
}
best=$(kernel) || fail "bench from /usr/bin"
[ "$(kernel UDLAB_ISA=baseline)" = baseline ] || fail "UDLAB_ISA=baseline"
echo "deb_package: the installed udlab-cli runs the $best kernels here (baseline when forced)"
rc=0
run setsid timeout 6 /usr/bin/udlab --train >"$T/gui.log" 2>&1 &
gui=$!
wait $gui || rc=$?
kill -- -$gui 2>/dev/null || true
# The app's training child (a udlab-cli in its own session, so that runs can outlive the window) trains
# into this test's home: end it by its pid.
for p in $(pgrep -f -- "--out $H/" || true); do kill "$p" 2>/dev/null || true; done
[ $rc -eq 124 ] || { cat "$T/gui.log"; fail "udlab exited with $rc within 6 s (expected to keep running)"; }

cp "$H/.config/udlab/udlab.conf" "$T/settings.before"  # the app itself may have updated them
"${APT[@]}" remove udlab >/dev/null
[ ! -e /usr/bin/udlab-cli ] && [ ! -e /usr/share/udlab ] || fail "files left after removal"
[ -f "$H/myruns/old/checkpoint.safetensors" ] && cmp -s "$H/.config/udlab/udlab.conf" "$T/settings.before" ||
  fail "removal touched the user's runs or settings"
echo "deb_package: ok ($(( $(date +%s) - start )) s)"
