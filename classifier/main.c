/* spam-classify: score raw mail with a model (see app/classify.h). */
#include "classify.h"

int main(int argc, char **argv)
{
    return ks_classify_main(argc, argv);
}
