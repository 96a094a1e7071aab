// Must NOT compile against the archive layer's include path: archive/ sits below store/, so a
// store header is out of its sight (see cmake/UnpackdLayer.cmake).
#include "archive/archive_reader.h"
#include "store/object_store.h"
