# Sourced by the install checks (check_install.sh, check_cxx.sh,
# check_install_microkit.sh, sel4/check_install_sel4.sh): install the build in $build into a scratch
# DESTDIR, removed on exit. Needs $build and $sanitize (the build's
# b_sanitize). Sets:
#   extra   compiler flags a sanitized libmica needs (its runtime)
#   tmp     the scratch directory; the install is under $tmp/root
#   pc      the installed mica.pc
#   prefix  the prefix mica.pc names
#   flags   pkg-config --cflags --libs mica for the scratch install
extra=""
[ "$sanitize" != "none" ] && extra="-fsanitize=$sanitize"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp/root" --no-rebuild >/dev/null
pc=$(find "$tmp/root" -name mica.pc | head -n 1)
[ -n "$pc" ] || { echo "mica.pc was not installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$tmp/root$prefix" \
        --cflags --libs mica)
