/* export.h - spam-features: a dataset's hashed features in LIBSVM format
 * (include/ks/libsvm.h gives the format; docs/design-svm.md the why). */
#ifndef KS_APP_EXPORT_H
#define KS_APP_EXPORT_H

/* main() of spam-features; returns an exit code (app.h), never exits. */
int ks_app_export_main(int argc, char **argv);

#endif
