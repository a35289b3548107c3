/* The thread vocabulary: which thread may call a function, and which thread owns a
 * field. Defined here once (and in docs/architecture.md, "Threads and what they
 * own"); every internal header tags its public functions with it, as CLAP's
 * plugin.h does for its ABI, and every structure shared between threads says
 * which thread owns (writes) each field.
 *
 *   [audio]    the realtime audio thread: the JACK process callback, or the
 *              offline driver's render loop. Never allocates, frees, locks,
 *              prints, does I/O or any other system call (docs/architecture.md,
 *              "The realtime path"; proved by tests/rt and lull plugin-check).
 *   [control]  lulld's OSC thread (osc/osc_server.c): parses, validates and
 *              answers datagrams; talks to the audio thread only through SPSC
 *              queues. May lock and allocate; must not wait on the audio thread.
 *   [worker]   the engine's non-realtime worker (engine/engine_worker.c): parses
 *              presets, loads sounds, builds and frees plans, plans FFTs.
 *   [bio]      lulld's biosignal thread (lulld/bio_thread.c): drains the sensor
 *              queue, runs the feature extractors, publishes feature frames.
 *   [main]     a program's main thread (every lull command; lulld's startup and
 *              shutdown) and lulld's supervisor thread (daemon/supervisor.c), which
 *              keeps the JACK client alive while main waits for a signal.
 *   [any]      any thread, the audio thread included: thread-safe and
 *              realtime-safe (plain arithmetic or atomics on the caller's data).
 *
 * Combinations
 *   [control] [main]   may be called on any of the threads listed.
 *   [any !audio]       any thread but the audio thread: may lock, allocate or
 *                      block for a short time (logging, status snapshots).
 *   [any] Producer side only.   a two-sided structure (SPSC queue, triple
 *                      buffer): any thread, the audio thread included, but only
 *                      the one thread that plays that side for this object.
 *
 * Offline. In lull render/analyze/simulate one thread, [main], plays every role
 * in turn (the offline driver runs the worker's jobs "inline" between blocks and
 * feeds the extractors itself): a function tagged [worker] or [bio] is then
 * called on [main], never concurrently with anything else.
 *
 * Other threads (the session writer in session/session_recorder.c, NSM's liblo
 * thread in daemon/nsm_client.c, lull-web's threads) only ever run their own
 * module's static functions; a public function callable from them says so.
 *
 * A per-instance object (a detector, a tracker, a smoother) is not shared: its
 * functions carry the tag of the thread that owns the instance in lulld, and
 * the caller must not use one instance from two threads at once.
 *
 * This header defines no code: include it where a comment needs the reference. */
#ifndef LULL_CORE_THREADS_H
#define LULL_CORE_THREADS_H
#endif
