/*
 * mutex.c - mica_mutex_t: a lock word and a notification (mica/user.h).
 *
 * The word is 0 (free), 1 (held) or 2 (held, and a thread may be waiting).
 * Lock takes a free mutex with one compare-and-swap; otherwise it sets 2
 * and waits on the notification until its exchange finds the word 0.
 * Unlock sets 0 and signals only if the word was 2.
 *
 * Nothing is lost between a waiter's exchange and its wait: a notification
 * remembers a signal that finds nobody waiting (it becomes active), so the
 * wait then returns at once and the waiter tries again. A waiter that wakes
 * sets 2 again before it takes the mutex, so its own unlock wakes the next
 * one; a wake-up too many only costs one more exchange. (seL4's libsel4sync
 * uses a notification as a plain binary semaphore, a kernel entry per lock;
 * here an uncontended lock and unlock make none.)
 */
#include <mica/mica.h>
#include <mica/user.h>

mica_error_t mica_mutex_init(mica_env_t *env, mica_mutex_t *m)
{
    __atomic_store_n(&m->state, 0, __ATOMIC_RELAXED);
    m->ntfn = mica_env_make(env, MICA_NOTIFICATION_OBJECT, 0);
    return m->ntfn ? MICA_NO_ERROR : env->error;
}

int mica_mutex_trylock(mica_mutex_t *m)
{
    int free_ = 0;
    return __atomic_compare_exchange_n(&m->state, &free_, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void mica_mutex_lock(mica_mutex_t *m)
{
    if (mica_mutex_trylock(m))
        return;
    while (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0) {
        mica_word_t badge;
        mica_wait(m->ntfn, &badge);
    }
}

void mica_mutex_unlock(mica_mutex_t *m)
{
    if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
        mica_signal(m->ntfn);
}
