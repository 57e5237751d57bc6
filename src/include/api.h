/*
 * Registration of the C API for other modules (mod_python_api.h).
 */
#ifndef MP_API_H
#define MP_API_H

/* Register the optional functions (register_hooks). */
void mp_api_register(void);

#endif /* MP_API_H */
