#!/usr/bin/env bash
# Before `make run` on Linux: Qt's xcb plugin aborts at start without these libraries, and
# its own message does not say which package to install. Prints the one apt-get line.
set -euo pipefail
[ "$(uname -s)" = "Linux" ] || exit 0
case "${QT_QPA_PLATFORM:-}" in offscreen|minimal|wayland*) exit 0 ;; esac
command -v ldconfig >/dev/null 2>&1 || exit 0
# soname -> Debian/Ubuntu package
declare -A NEEDED=(
  [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-icccm.so.4]=libxcb-icccm4
  [libxcb-keysyms.so.1]=libxcb-keysyms1 [libxcb-image.so.0]=libxcb-image0
  [libxcb-render-util.so.0]=libxcb-render-util0 [libxcb-xkb.so.1]=libxcb-xkb1
  [libxkbcommon-x11.so.0]=libxkbcommon-x11-0 [libxcb-shape.so.0]=libxcb-shape0
  [libxcb-randr.so.0]=libxcb-randr0 [libxcb-xfixes.so.0]=libxcb-xfixes0
  [libEGL.so.1]=libegl1 [libfontconfig.so.1]=libfontconfig1 [libdbus-1.so.3]=libdbus-1-3
)
known=$(ldconfig -p)
missing=()
for soname in "${!NEEDED[@]}"; do
  grep -q "$soname" <<<"$known" || missing+=("${NEEDED[$soname]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "The app's window needs system libraries that are not installed. On Debian or Ubuntu:" >&2
  echo "  sudo apt-get install $(printf '%s\n' "${missing[@]}" | sort | tr '\n' ' ')" >&2
  exit 1
fi
