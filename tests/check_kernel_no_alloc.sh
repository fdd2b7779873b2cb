#!/bin/sh
# The kernel library must not reference the host allocator or mmap at all.
lib="$1"
bad=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' |
      grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|mmap|sbrk|brk)$' | sort -u)
if [ -n "$bad" ]; then
    echo "src/kernel references host allocation: $bad"
    exit 1
fi
echo "src/kernel references no host allocator"
