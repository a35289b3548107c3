/* Sensor handlers of the OSC control surface (osc_server_internal.h): lull's own
 * /lull/bio/... addresses and device addresses translated by a device map. A
 * message is validated against its route and queued for the [bio] thread whole,
 * or dropped whole and counted; sensors never get replies. [control] thread. */
#include "osc/osc_server_internal.h"

#include <math.h>
#include <string.h>

#include "core/log.h"
#include "core/rt.h"
#include "engine/engine.h"

/* ---- sensors ------------------------------------------------------------------ */

void osc_drop_sensor(osc_server *s, const char *path, const char *why)
{
    atomic_fetch_add(&s->sensor_dropped, 1);
    log_limited(&s->sensor_drops, why, rt_now_s(), LOG_INFO, "osc: sensor message %s dropped: %s",
                path, why);
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_count_drop(e);
    engine_slot_release(s->engine);
}

/* Validates a sensor message's values against its route and queues them for the
 * biosignal thread: taken whole or not at all. */
static void queue_sensor(const request *r, const char *path, const osc_route *route,
                         const double *values, int count)
{
    osc_server *s = r->s;
    if (count == 0 || (route->max_values && count > route->max_values)) {
        osc_drop_sensor(s, path, "wrong number of values");
        return;
    }
    for (int i = 0; i < count; i++)
        if (!isfinite(values[i]) || values[i] < route->lo || values[i] > route->hi) {
            osc_drop_sensor(s, path, "value non-finite or out of range");
            return;
        }
    /* Whole or not at all: room for every piece first (we are the only producer,
     * so the free space can only grow while we push). */
    size_t pieces = ((size_t)count + SENSOR_MSG_MAX_VALUES - 1) / SENSOR_MSG_MAX_VALUES;
    if (s->sensor_queue->mask + 1 - spsc_count(s->sensor_queue) < pieces) {
        osc_drop_sensor(s, path, "sensor queue full");
        return;
    }
    sensor_msg msg = {
        .arrival_s = r->arrival_s, .kind = (uint8_t)route->kind, .signal = route->signal};
    for (int i = 0; i < count; i += SENSOR_MSG_MAX_VALUES) {
        int n = count - i < SENSOR_MSG_MAX_VALUES ? count - i : SENSOR_MSG_MAX_VALUES;
        msg.count = (uint16_t)n;
        msg.following = (uint32_t)(count - i - n);
        for (int k = 0; k < n; k++) msg.values[k] = (float)values[i + k];
        if (!spsc_push(s->sensor_queue, &msg)) {
            osc_drop_sensor(s, path, "sensor queue full");
            return;
        }
        atomic_fetch_add(&s->sensor_samples, (uint64_t)n);
    }
}

void osc_handle_sensor(const request *r, const osc_route *route, const char *path,
                       const char *types, lo_arg **argv, int argc)
{
    if (argc > SENSOR_MAX_VALUES) {
        osc_drop_sensor(r->s, path,
                        "too many values in one message (more than " SENSOR_MAX_VALUES_TEXT ")");
        return;
    }
    double *values = r->s->sensor_values;
    for (int i = 0; i < argc; i++) {
        if (!osc_is_number_type(types[i])) {
            osc_drop_sensor(r->s, path, "non-numeric value");
            return;
        }
        values[i] = osc_number_value(types[i], argv[i]);
    }
    queue_sensor(r, path, route, values, argc);
}

/* A device's own address under a loaded device map: translated, then validated
 * and queued like lull's own sensor messages. An address may feed several
 * signals (one map rule per argument): the message is taken whole or dropped
 * whole. Devices never get replies. Returns false when no map rule knows the
 * address. */
bool osc_handle_device(const request *r, const char *path, const char *types, lo_arg **argv,
                       int argc)
{
    if (r->s->devices.n == 0) return false;
    float *v = r->s->device_values;
    device_output outs[DEVICE_MAP_MAX_RULES];
    const char *why = "";
    int nout = device_map_translate_all(&r->s->devices, path, types, argv, argc, v,
                                        SENSOR_MAX_VALUES, outs, DEVICE_MAP_MAX_RULES, &why, NULL);
    if (nout == 0) return false;
    if (nout < 0) {
        osc_drop_sensor(r->s, path, why);
        return true;
    }
    for (int o = 0; o < nout; o++) {
        const osc_route *route = osc_route_for_sensor((enum sensor_kind)outs[o].kind);
        if (!route) {
            osc_drop_sensor(r->s, path, "the map sends it to no sensor lull reads");
            continue;
        }
        double *values = r->s->sensor_values;
        for (int i = 0; i < outs[o].count; i++) values[i] = v[outs[o].first + i];
        queue_sensor(r, path, route, values, outs[o].count);
    }
    return true;
}
