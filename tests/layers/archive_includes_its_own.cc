// Must compile against the archive layer's include path: its own headers and those below it.
#include "archive/archive_reader.h"
#include "codec/codec.h"
#include "io/read_ahead_source.h"
#include "util/error.h"
