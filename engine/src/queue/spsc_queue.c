#include "queue/spsc_queue.h"

#include <stdlib.h>
#include <string.h>

bool spsc_init(spsc_queue *q, size_t capacity, size_t item_size)
{
    size_t cap = 2;
    while (cap < capacity) cap <<= 1;
    q->slots = calloc(cap, item_size);
    if (!q->slots) return false;
    q->mask = cap - 1;
    q->item_size = item_size;
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    return true;
}

void spsc_destroy(spsc_queue *q)
{
    free(q->slots);
    q->slots = NULL;
}

bool spsc_push(spsc_queue *q, const void *item)
{
    /* relaxed: head is ours. acquire: the consumer's release of tail tells us its
     * copy out of the slot we are about to overwrite is finished. */
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    if (head - tail > q->mask) return false;
    memcpy(q->slots + (head & q->mask) * q->item_size, item, q->item_size);
    /* release: the item's bytes are visible before the consumer sees the new head. */
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
    return true;
}

bool spsc_pop(spsc_queue *q, void *item)
{
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    /* acquire: pairs with the producer's release of head; the slot is filled. */
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    if (head == tail) return false;
    memcpy(item, q->slots + (tail & q->mask) * q->item_size, q->item_size);
    /* release: our copy is done before the producer may reuse the slot. */
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    return true;
}

size_t spsc_count(const spsc_queue *q)
{
    size_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    return head - tail;
}
