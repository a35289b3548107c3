/* A batch of sensor samples as it travels from the OSC (control) thread to the
 * biosignal thread on a bounded SPSC queue. Fixed size: an OSC message with more
 * samples than fit is split into several batches with the same arrival time;
 * `following` says how many samples of the same message come after this batch,
 * so that the consumer can date each batch's last sample. */
#ifndef LULL_OSC_SENSOR_MSG_H
#define LULL_OSC_SENSOR_MSG_H

#include <stdint.h>

#define SENSOR_MSG_MAX_VALUES 32

/* The most values one OSC sensor message may carry: 8192, i.e. 8 s of ECG at
 * 1 kHz or a 1-s batch at up to 8 kHz. A UDP datagram holds at most 65,507 bytes
 * and each float argument takes 5 (4 + its type tag), so about 13,000 values
 * is the most any message can bring; 8192 keeps a margin for the address and the
 * type-tag padding. A message with more is dropped whole and counted. The
 * daemon's sensor queue (4096 batches of SENSOR_MSG_MAX_VALUES) holds 16 such
 * messages. Documented in docs/daemon.md. */
#define SENSOR_MAX_VALUES 8192
#define SENSOR_MAX_VALUES_TEXT "8192"

enum sensor_kind {
    SENSOR_RESP = 0, /* raw respiration samples */
    SENSOR_ECG,      /* raw ECG samples */
    SENSOR_PPG,      /* raw PPG samples */
    SENSOR_RR,       /* beat-to-beat intervals, ms */
    SENSOR_HR,       /* heart rate, bpm (one value) */
    SENSOR_RATE,     /* nominal sampling rate of `signal`, Hz (one value) */
    SENSOR_KIND_COUNT
};

typedef struct sensor_msg {
    double arrival_s;   /* rt_now_s() when the packet arrived */
    uint8_t kind;       /* enum sensor_kind */
    uint8_t signal;     /* for SENSOR_RATE: the waveform kind (RESP, ECG or PPG) */
    uint16_t count;     /* values used */
    uint32_t following; /* samples of the same message in later batches */
    float values[SENSOR_MSG_MAX_VALUES];
} sensor_msg;

#endif
