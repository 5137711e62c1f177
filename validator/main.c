/* spam-validate: scoring and metrics (see app/app.h). */
#include "app.h"

int main(int argc, char **argv)
{
    return ks_app_main(KS_APP_VALIDATE, argc, argv);
}
