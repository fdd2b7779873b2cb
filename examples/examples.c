/*
 * examples.c - the table of example systems for `mica list` and `mica run`.
 * To add one: write examples/<name>/<name>.c, declare its root in
 * examples.h, add a line here and its name to mica_examples in the
 * top-level meson.build.
 */
#include <stddef.h>
#include "examples.h"

const mica_example_t mica_examples[] = {
    { "hello", "boot info, retyping untyped memory, minting and revoking a cap, a first thread",
      example_hello_root },
    { "echo", "an echo server and three clients using Call/ReplyRecv, told apart by badge",
      example_echo_root },
    { "notify", "producers signal a consumer through one notification; badges are OR-ed",
      example_notify_root },
    { "prio", "priorities, round robin among equals, and preemption by a woken thread",
      example_prio_root },
    { "pager", "demand paging: a process's VM faults go to a pager that maps frames and replies",
      example_pager_root },
    { "ramfs", "a file server for three processes: badged caps, requests in MRs, data in shared frames",
      example_ramfs_root },
    { "supervisor", "a server crashes on a poisoned request; its fault handler restarts it, clients retry",
      example_supervisor_root },
    { "interrupts", "a driver programs the timer, waits for its IRQ on a notification, acks, counts ticks",
      example_interrupts_root },
    { "timer", "a time server drives the timer and gives now() and sleep(ns) to clients (wake-up list)",
      example_timer_root },
    { "console", "a 16550 UART driver and a line console server; a client echoes --input's lines",
      example_console_root },
    { "disk", "a virtio-blk driver task and the ramfs server keeping its files on blk0 (--disk FILE)",
      example_disk_root },
    { NULL, NULL, NULL },
};
