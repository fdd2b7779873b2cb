/*
 * bb_loop.c - a loop of one basic block per iteration, for mica-bench's
 * preempt_hook_ns. Built twice (bench/meson.build): as BB_LOOP =
 * bench_bb_loop_hooked with the preempt flags, so each iteration calls
 * __sanitizer_cov_trace_pc once, and as bench_bb_loop_plain without them.
 * The empty asm keeps the compiler from folding or vectorising the loop.
 */
unsigned long BB_LOOP(unsigned long n);

unsigned long BB_LOOP(unsigned long n)
{
    unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++) {
        x += i;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}
