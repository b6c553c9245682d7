#!/bin/sh
# Adds Garment Cutout to this user's application menu. Run it from the unpacked bundle:
#   ./install-desktop-entry.sh
# (the entry points at this folder: run it again after moving the folder).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons/hicolor/512x512/apps"
cp "$here/garment-cutout.png" "$data/icons/hicolor/512x512/apps/garment-cutout.png"
sed -e "s|^Exec=garment-cutout-gui|Exec=\"$here/garment-cutout-gui\"|" \
    -e "s|^TryExec=.*|TryExec=$here/garment-cutout-gui|" \
    "$here/garment-cutout.desktop" > "$data/applications/garment-cutout.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "Added $data/applications/garment-cutout.desktop"
