#include "filters.h"
void mp_filter_register_configured(const char *name, int is_input) {}
