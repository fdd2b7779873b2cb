#!/bin/sh
# The installed headers are usable from C++: every one of them compiles
# with g++ -std=c++17 -Wall -Wextra -Werror -pedantic, and C++ programs -
# one with its own main calling mica_main, one written against
# <sel4/sel4.h> - link with libmica through pkg-config and run.
# Skipped (77) when there is no g++.
set -eu
build="$1"
sanitize="${2:-none}"      # the build's b_sanitize: a sanitized libmica needs the runtime too
cxx=${CXX:-g++}
command -v "$cxx" >/dev/null 2>&1 || { echo "no $cxx: skipped"; exit 77; }
. "$(dirname "$0")/install_scratch.sh"
inc=$(find "$tmp/root" -type d -name mica -path '*/include/mica' | head -n 1)
inc=$(dirname "$inc")
cxxflags="-std=c++17 -Wall -Wextra -Werror -pedantic"

# Every installed header, alone and all together.
n=0
for h in "$inc"/mica/*.h "$inc"/sel4/*.h "$inc"/mach/*.h "$inc"/l4/*.h; do
    name=${h#"$inc"/}
    # The generated stubs are a part of <sel4/sel4.h>, compiled with it.
    [ "$name" = sel4/sel4_client.h ] && continue
    printf '#define MICA_SEL4_NO_MAIN\n#include <%s>\n' "$name" > "$tmp/one.cc"
    $cxx $cxxflags -I"$inc" -c "$tmp/one.cc" -o "$tmp/one.o" ||
        { echo "<$name> does not compile as C++"; exit 1; }
    echo "#include <$name>" >> "$tmp/all.h"
    n=$((n + 1))
done
echo "$n installed headers compile as C++17 ($cxx $cxxflags)"

# A C++ program with a root task: the C functions link (extern "C"), the
# macros and inline functions of the headers work in C++.
cat > "$tmp/prog.cc" <<'CXX'
#define MICA_SEL4_NO_MAIN
#include "all.h"
#include <cstdio>
#include <string>
#include <vector>

static void root(const mica_bootinfo_t *bi, void *arg)
{
    auto *out = static_cast<std::vector<std::string> *>(arg);
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t client = mica_env_mint(&env, ep, MICA_RIGHTS_CLIENT, 1);
    char line[96];
    std::snprintf(line, sizeof line, "client cap %" MICA_PRIuWORD " rights 0x%" MICA_PRIxWORD,
                  client, MICA_RIGHTS_CLIENT.words[0]);
    out->push_back(line);
    int argc;
    char **argv = mica_main_args(&argc);
    for (int i = 1; i < argc; i++)
        out->push_back(std::string("arg ") + argv[i]);
    out->push_back(mica_error_name(mica_untyped_retype(0, MICA_ENDPOINT_OBJECT, 0,
                                                       MICA_CAP_INIT_CNODE, 0, 0, 0, 1)));
}

int main(int argc, char **argv)
{
    std::vector<std::string> out;
    int rc = mica_main(argc, argv, root, &out);
    for (const auto &s : out)
        std::printf("%s\n", s.c_str());
    return rc;
}
CXX
$cxx $cxxflags $extra -I"$tmp" "$tmp/prog.cc" $flags -o "$tmp/prog"
out=$("$tmp/prog" --seed 2 -- hello -x)
echo "$out"
echo "$out" | grep -q "rights 0x9" && echo "$out" | grep -q "^arg hello$" &&
    echo "$out" | grep -q "^arg -x$" && echo "$out" | grep -q "^InvalidCapability$"
echo "a C++ program builds, links and runs with mica_main"

# A C++ program written against <sel4/sel4.h>: its main is the root task.
cat > "$tmp/sel4prog.cc" <<'CXX'
#include <cstdio>
#include <sel4/sel4.h>
int main(int argc, char **argv)
{
    seL4_BootInfo *bi = seL4_GetBootInfo();
    seL4_Error e = seL4_Untyped_Retype(bi->untyped.start + 5, seL4_EndpointObject, 0,
                                       seL4_CapInitThreadCNode, 0, 0, bi->empty.start, 1);
    std::printf("argc %d, seL4_Untyped_Retype: %d, cap type %u\n", argc, (int)e,
                (unsigned)seL4_DebugCapIdentify(bi->empty.start));
    return e == seL4_NoError && argv[argc] == seL4_Null ? 0 : 7;
}
CXX
$cxx $cxxflags $extra "$tmp/sel4prog.cc" $flags -o "$tmp/sel4prog"
out=$("$tmp/sel4prog" -- one)
echo "$out"
echo "$out" | grep -q "argc 2, seL4_Untyped_Retype: 0, cap type 4"
echo "and a C++ program written against <sel4/sel4.h>"
