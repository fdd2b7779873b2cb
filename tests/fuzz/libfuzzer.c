/*
 * libfuzzer.c - a coverage-guided harness: libFuzzer's input bytes are the
 * program. Every decision fuzzlib makes - the shape of a small fixed-size
 * system (2 tasks), then each operation and each argument - is read from
 * the input instead of a PRNG, so coverage feedback steers the inputs into
 * the kernel's decoders and error paths. A run ends when the input is used
 * up (or after 4096 operations); the invariant checker runs after every
 * kernel entry, and a broken invariant, a kernel panic or a changed
 * isolated system aborts, which libFuzzer reports with the input.
 *
 *   CC=clang meson setup build-fuzz -Dlibfuzzer=true -Db_sanitize=address,undefined
 *   ninja -C build-fuzz tests/fuzz/mica-libfuzzer
 *   ./build-fuzz/tests/fuzz/mica-libfuzzer tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <mica/mica.h>
#include "fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mica_config_t mc;
    fz_config_t fc;
    mica_run_result_t res;

    if (size < 8)
        return 0;
    fz_input_config(&mc, &fc, data, size);
    if (mica_run(&mc, fz_root, &fc, &res) != 0)
        abort();
    const fz_result_t *fr = fz_last_result();
    if (res.reason == MICA_STOP_INVARIANT || fr->isolation_broken || fr->atomicity_broken) {
        fprintf(stderr, "mica-libfuzzer: %s\n",
                res.reason == MICA_STOP_INVARIANT ? res.message
                : fr->isolation_broken ? fr->isolation_message : fr->atomicity_message);
        abort();
    }
    return 0;
}
