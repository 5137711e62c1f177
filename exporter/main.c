/* spam-features: export hashed features in LIBSVM format (app/export.h). */
#include "export.h"

int main(int argc, char **argv)
{
    return ks_app_export_main(argc, argv);
}
