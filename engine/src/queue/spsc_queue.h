/* Bounded lock-free single-producer/single-consumer queue of fixed-size items.
 *
 * Ownership story: the producer owns `head` and the slots between tail and head
 * that are free; the consumer owns `tail` and the filled slots. A slot changes
 * hands only through the release-store of one index, seen by the acquire-load of
 * the other side, so the item's bytes are visible before the index that publishes
 * them. Neither side ever waits: push on a full queue fails (the caller counts the
 * drop), pop on an empty queue fails.
 *
 * Storage is allocated once by spsc_init (non-realtime); push and pop are
 * realtime-safe (memcpy of the item and two atomic operations). */
#ifndef LULL_QUEUE_SPSC_QUEUE_H
#define LULL_QUEUE_SPSC_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct spsc_queue {
    _Alignas(64) atomic_size_t head; /* written by the producer only */
    _Alignas(64) atomic_size_t tail; /* written by the consumer only */
    _Alignas(64) size_t mask;        /* capacity - 1 (capacity is a power of two) */
    size_t item_size;
    unsigned char *slots;
} spsc_queue;

/* [any !audio] capacity is rounded up to a power of two. Returns false on OOM. */
bool spsc_init(spsc_queue *q, size_t capacity, size_t item_size);
/* [any !audio] Neither side may be using the queue any more. */
void spsc_destroy(spsc_queue *q);

/* [any] Producer side only. Copies the item in. False (nothing written) when full. */
bool spsc_push(spsc_queue *q, const void *item);
/* [any] Consumer side only. Copies the oldest item out. False when empty. */
bool spsc_pop(spsc_queue *q, void *item);
/* [any] Either side. Approximate: exact for the calling side's view. */
size_t spsc_count(const spsc_queue *q);

#endif
