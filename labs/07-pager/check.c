/* The checker of lab 7 (a demand pager): the workload's data, the budget, the fault counts. */
#include <string.h>
#include <mica/types.h>
#include "check.h"

#define NFRAMES 32
#define NPAGES 272

/*
 * The workload's accesses, page by page (a page used many times in a row
 * counts once: after its first access it is mapped): phase A, then B.
 */
static int trace(int *t, int phase_b)
{
    int n = 0;
    if (!phase_b) {
        for (int p = 0; p < 16; p++)
            t[n++] = p;                 /* fill */
        for (int p = 0; p < 16; p++)
            t[n++] = p;                 /* sum */
        return n;
    }
    for (int p = 16; p < 256; p++)
        t[n++] = p;
    for (int round = 0; round < 16; round++) {
        for (int h = 0; h < 4; h++)
            t[n++] = h;
        for (int c = 0; c < 8; c++)
            t[n++] = 100 + round * 8 + c;
    }
    for (int p = 0; p < 256; p++)
        t[n++] = p;
    for (int p = 256; p < NPAGES; p++)
        t[n++] = p;
    return n;
}

/* The faults the README's pager takes over phases A (and B): clock with second chance, or FIFO. */
static long simulate(int with_b, int clock)
{
    int page_frame[NPAGES], frame_page[NFRAMES], ref[NFRAMES], hand = 0;
    long faults = 0;
    for (int p = 0; p < NPAGES; p++)
        page_frame[p] = -1;
    for (int f = 0; f < NFRAMES; f++)
        frame_page[f] = -1, ref[f] = 0;
    static int t[4096];
    for (int ph = 0; ph <= with_b; ph++) {
        int n = trace(t, ph);
        for (int i = 0; i < n; i++) {
            int p = t[i], f = page_frame[p];
            if (f >= 0 && ref[f])
                continue;               /* mapped */
            faults++;
            if (f >= 0) {               /* soft: resident, unmapped by the hand */
                ref[f] = 1;
                continue;
            }
            for (f = 0; f < NFRAMES && frame_page[f] >= 0; f++)
                ;
            if (f == NFRAMES) {
                for (;;) {
                    int v = hand;
                    hand = (hand + 1) % NFRAMES;
                    if (clock && ref[v]) {
                        ref[v] = 0;
                        continue;
                    }
                    page_frame[frame_page[v]] = -1;
                    frame_page[v] = -1;
                    f = v;
                    break;
                }
            }
            frame_page[f] = p;
            page_frame[p] = f;
            ref[f] = 1;
        }
    }
    return faults;
}

static const char *task1(const lab_run_t *r)
{
    if (lab_fact(r, "init_frame_caps", 0) != NFRAMES)
        return lab_why("the frame table holds %lld frame caps, not %d: retype the budget untyped "
                       "into NFRAMES frames, one cap each in frames[i].cap",
                       lab_fact(r, "init_frame_caps", 0), NFRAMES);
    if (lab_fact(r, "init_free_frames", 0) != NFRAMES)
        return "frames[i].page must be -1 for every frame at first: all frames are free";
    if (lab_fact(r, "window_ok", 0) != NFRAMES)
        return lab_why("only %lld of %d frames can be written through frames[i].data: map a copy "
                       "of each frame cap read-write in the pager's VSpace and set data to it",
                       lab_fact(r, "window_ok", 0), NFRAMES);
    return NULL;
}

static const char *map_failed(const lab_run_t *r);

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "a_faults", -1) < 0 && map_failed(r))
        return map_failed(r);
    if (lab_fact(r, "a_nonzero", -1) != 0)
        return lab_why("the workload read %lld non-zero words in pages it touched for the first "
                       "time: zero-fill the frame (it may hold an old page's bytes) before mapping "
                       "it", lab_fact(r, "a_nonzero", -1));
    if (lab_fact(r, "a_sum_ok", 0) != 1)
        return "the workload read back other data than it wrote in phase A: each page needs a "
               "frame of its own";
    long want = simulate(0, 1);
    long got = lab_fact(r, "a_faults", -1);
    if (got != want)
        return lab_why("phase A took %ld faults, not %ld (one per page): after a fault the page "
                       "must stay mapped", got, want);
    if (lab_fact(r, "a_free_frames", -1) != NFRAMES - 16)
        return lab_why("after 16 pages, %lld frames are free, not %d: record the page in the "
                       "frame (f->page)", lab_fact(r, "a_free_frames", -1), NFRAMES - 16);
    return NULL;
}

static const char *map_failed(const lab_run_t *r)
{
    long long page = lab_fact(r, "map_failed_page", -1);
    if (page < 0)
        return NULL;
    long long e = lab_fact(r, "map_failed_error", 0);
    return lab_why("mapping page %lld in the workload failed (%s)%s", page,
                   e == MICA_INVALID_ARGUMENT ? "InvalidArgument" : "an error",
                   e == MICA_INVALID_ARGUMENT ? ": the frame cap was still mapped at another page "
                   "- a frame cap holds one mapping: unmap the victim's page before its frame "
                   "is reused" : "");
}

static const char *task3(const lab_run_t *r)
{
    const char *why = map_failed(r);
    if (why)
        return why;
    if (lab_fact(r, "b_sum_ok", 0) != 1)
        return "after eviction the workload read back other data than it wrote: data was lost "
               "on the way to or from the swap store - copy the victim's bytes to swap before "
               "its frame is reused, unmap the victim's page, and copy them back in swap_in";
    if (lab_fact(r, "b_nonzero", -1) != 0 || lab_fact(r, "b_fresh_nonzero", -1) != 0)
        return "pages touched for the first time in phase B read non-zero words: a reused frame "
               "must be zero-filled";
    long long fa = lab_usage(r, "ready", "frame"), fb = lab_usage(r, "b", "frame");
    if (fa < 0 || fb < 0 || fa != fb)
        return lab_why("the system holds %lld frames after phase B, %lld before it: the pager "
                       "may use only the NFRAMES frames of its budget", fb, fa);
    if (lab_fact(r, "b_frame_caps", 0) != NFRAMES)
        return "the frame table lost frame caps in phase B";
    long want = simulate(1, 1), fifo = simulate(1, 0);
    long got = lab_fact(r, "b_faults", -1), kernel = lab_stat(r, "faults");
    if (kernel != got)
        return lab_why("the kernel counted %ld faults but the pager handled %ld", kernel, got);
    if (got != want) {
        if (got == fifo)
            return lab_why("%ld faults where the clock algorithm takes %ld: that is FIFO - a frame "
                           "whose reference bit is set gets a second chance (clear the bit, unmap "
                           "the page, move on)", got, want);
        return lab_why("%ld faults where the clock algorithm takes %ld: follow the README's "
                       "clock exactly (start at clock_hand, advance it past every frame you "
                       "look at, unmap a frame when you clear its bit)", got, want);
    }
    return NULL;
}

static const lab_spec_t spec = {
    .number = 7,
    .title = "a demand pager",
    .ntasks = 3,
    .task = { "the frame table: a frame budget", "zero-fill on first touch",
              "clock eviction to a swap store" },
    .check = { task1, task2, task3 },
    .args = "--mem 32M",
    .time_limit = 200000,
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
