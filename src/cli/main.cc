#include <iostream>

int main() {
  std::cout << "unpackd " << UNPACKD_VERSION << "\n";
  return 0;
}
