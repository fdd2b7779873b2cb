#!/bin/sh
# Fail if any file in src/kernel includes a header other than the freestanding
# C headers, <string.h>, the public <mica/...> headers or the kernel's own.
dir="$1"
bad=$(grep -rhoE '#include +<[^>]+>' "$dir" | sed -E 's/#include +<([^>]+)>/\1/' |
      grep -vE '^(stdint|stddef|stdbool|stdarg|stdalign|stdnoreturn|limits|float|iso646|string)\.h$|^mica/' | sort -u)
if [ -n "$bad" ]; then
    echo "src/kernel includes non-freestanding headers: $bad"
    exit 1
fi
echo "src/kernel includes only freestanding headers"
