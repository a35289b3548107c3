/* placeholder: replaced by the real safety stage */
#include "lull/plugin.h"
static const lull_descriptor d = {sizeof(lull_descriptor), "safety", "Output safety", "0", "", 0,0,0,0,0,0,0,0,0,0,0,0,0};
LULL_PLUGIN_ENTRY(&d)
