/*
 * The SSI element <!--#python eval="..." --> / exec="..." for mod_include
 * (phases-and-handlers.md PH-ssi-*, other-handlers.md SSI-*).
 */
#ifndef MP_SSI_H
#define MP_SSI_H

#include "mod_python.h"

/* Register the `python` element with mod_include when it is loaded
 * (post_config; no Python involved). */
void mp_ssi_register(void);

#endif /* MP_SSI_H */
