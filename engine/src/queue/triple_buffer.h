/* Wait-free single-writer/single-reader "latest value" mailbox (triple buffering).
 *
 * The writer always owns one slot (back), the reader one (front), and the third
 * (middle) is exchanged atomically together with a "fresh" bit. The writer fills
 * its back slot and swaps it into the middle (release); the reader swaps the middle
 * into its front slot only when it is fresh (acquire). Neither side ever waits or
 * sees a half-written value; intermediate values may be skipped, by design. Used for
 * feature frames (biosignal thread -> audio thread) and status snapshots
 * (audio thread -> control thread). */
#ifndef LULL_QUEUE_TRIPLE_BUFFER_H
#define LULL_QUEUE_TRIPLE_BUFFER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct triple_buffer {
    unsigned char *slots; /* 3 * item_size */
    size_t item_size;
    atomic_uint middle; /* slot index | TB_FRESH */
    unsigned back;      /* writer's slot */
    unsigned front;     /* reader's slot */
} triple_buffer;

/* [any !audio] All three slots start as copies of `initial`. */
bool triple_buffer_init(triple_buffer *tb, size_t item_size, const void *initial);
/* [any !audio] */
void triple_buffer_destroy(triple_buffer *tb);

/* [any] Writer side only. The slot to fill, then publish it. */
void *triple_buffer_write_slot(triple_buffer *tb);
void triple_buffer_publish(triple_buffer *tb);
/* [any] Writer side only. Convenience: copy item in and publish. */
void triple_buffer_write(triple_buffer *tb, const void *item);

/* [any] Reader side only. The newest published value (the previous one if nothing new). Returns
 * true when it changed since the last call. The pointer stays valid until the
 * reader's next call. */
bool triple_buffer_read(triple_buffer *tb, const void **item);

#endif
