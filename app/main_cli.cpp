#include <cstdio>
int main() { std::puts("udlab-cli: under construction"); return 0; }
