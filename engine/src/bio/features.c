#include "bio/features.h"

#include <math.h>
#include <string.h>

void lull_features_init(lull_features *f)
{
    memset(f, 0, sizeof *f);
    f->breath_rate = f->breath_phase = f->breath_depth = f->ie_ratio = NAN;
    f->heart_rate = f->rmssd = f->rsa = f->coherence = f->arousal = NAN;
    f->breath_quality = f->heart_quality = 0.0f;
    f->breath_state = f->heart_state = LULL_SENSOR_NONE;
    f->coherence_learning_s = f->arousal_learning_s = NAN;
}
