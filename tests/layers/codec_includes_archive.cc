// Must NOT compile against the codec layer's include path: archive/ sits above codec/.
#include "archive/archive_entry.h"
