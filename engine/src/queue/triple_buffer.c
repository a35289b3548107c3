#include "queue/triple_buffer.h"

#include <stdlib.h>
#include <string.h>

#define TB_FRESH 4u

bool triple_buffer_init(triple_buffer *tb, size_t item_size, const void *initial)
{
    tb->slots = malloc(3 * item_size);
    if (!tb->slots) return false;
    for (int i = 0; i < 3; i++) memcpy(tb->slots + i * item_size, initial, item_size);
    tb->item_size = item_size;
    tb->back = 0;
    atomic_init(&tb->middle, 1u);
    tb->front = 2;
    return true;
}

void triple_buffer_destroy(triple_buffer *tb)
{
    free(tb->slots);
    tb->slots = NULL;
}

void *triple_buffer_write_slot(triple_buffer *tb) { return tb->slots + tb->back * tb->item_size; }

void triple_buffer_publish(triple_buffer *tb)
{
    /* acq_rel: release our writes to the slot; acquire the reader's release of the
     * slot we get back, so we don't overwrite what it may still be reading. */
    unsigned old = atomic_exchange_explicit(&tb->middle, tb->back | TB_FRESH, memory_order_acq_rel);
    tb->back = old & 3u;
}

void triple_buffer_write(triple_buffer *tb, const void *item)
{
    memcpy(triple_buffer_write_slot(tb), item, tb->item_size);
    triple_buffer_publish(tb);
}

bool triple_buffer_read(triple_buffer *tb, const void **item)
{
    bool fresh = (atomic_load_explicit(&tb->middle, memory_order_relaxed) & TB_FRESH) != 0;
    if (fresh) {
        unsigned old = atomic_exchange_explicit(&tb->middle, tb->front, memory_order_acq_rel);
        tb->front = old & 3u;
    }
    *item = tb->slots + tb->front * tb->item_size;
    return fresh;
}
