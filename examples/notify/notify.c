/*
 * notify - three producers signal one consumer through one notification.
 *
 * A notification is a word of bits, not a queue of messages. Each producer
 * holds a copy of the notification cap minted with its own badge (0x1,
 * 0x2, 0x4); Signal ORs the badge into the word, and Wait returns the word
 * and clears it. So what the consumer sees depends on when it looks:
 *
 *   round 1: the consumer runs below the producers, so all three signal
 *            before it waits: one wake-up, badge 0x7 (three bits OR-ed);
 *   round 2: the consumer raises itself above the producers and lets them
 *            go one at a time: each Signal wakes it at once, one bit each.
 *
 * A second, unbadged notification ("go") holds the producers between the
 * rounds: each Signal on it wakes one waiting producer, oldest first.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"

#define PRODUCERS 3

static mica_cptr_t ntfn;                    /* the consumer's original: Read */
static mica_cptr_t producer_cap[PRODUCERS]; /* badged copies: Write only */
static mica_cptr_t go;                      /* holds the producers between rounds */
static mica_cptr_t consumer_tcb;

static void say_bits(const char *who, mica_word_t badge)
{
    printf("%s: woke up with badge 0x%lx =", who, (unsigned long)badge);
    const char *sep = " ";
    for (int i = 0; i < PRODUCERS; i++)
        if (badge & (1ul << i)) {
            printf("%sproducer%d", sep, i + 1);
            sep = " | ";
        }
    printf("\n");
}

static void producer(mica_word_t i)
{
    mica_word_t badge;
    for (int round = 1; round <= 2; round++) {
        printf("producer%lu: round %d: signal with badge 0x%lx\n", (unsigned long)i + 1, round,
               1ul << i);
        mica_signal(producer_cap[i]);
        if (round == 1)
            mica_wait(go, &badge);      /* until the consumer lets us go */
    }
    printf("producer%lu: done\n", (unsigned long)i + 1);
}

static void consumer(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;

    printf("consumer: round 1: my priority 50 is below the producers'; now I wait\n");
    mica_wait(ntfn, &badge);
    say_bits("consumer", badge);

    mica_tcb_set_priority(consumer_tcb, MICA_CAP_INIT_TCB, 150);
    printf("consumer: round 2: my priority is now 150; letting the producers go one by one\n");
    for (int i = 0; i < PRODUCERS; i++) {
        mica_signal(go);                /* wakes one producer; it runs when we wait */
        mica_wait(ntfn, &badge);
        say_bits("consumer", badge);
    }
    printf("consumer: done\n");
}

void example_notify_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    go = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    for (int i = 0; i < PRODUCERS && ntfn; i++)
        producer_cap[i] = mica_env_mint(&env, ntfn, MICA_CAN_WRITE, 1ul << i);
    if (!ntfn || !go || !producer_cap[PRODUCERS - 1]) {
        printf("notify: cannot make the notifications: %s\n", mica_error_name(env.error));
        return;
    }
    consumer_tcb = mica_thread_spawn(&env, "consumer", consumer, 0, 50);
    for (mica_word_t i = 0; i < PRODUCERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "producer%lu", (unsigned long)i + 1);
        mica_thread_spawn(&env, name, producer, i, 100);
    }
    if (!consumer_tcb)
        printf("notify: cannot start the consumer: %s\n", mica_error_name(env.error));
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_notify_root, NULL);
}
#endif
