void ks_app_placeholder(void) {}
