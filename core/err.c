#include "err.h"

const char *cp_err_name(int code)
{
        switch (code) {
        case CP_OK: return "OK";
        case CP_ERR_IO: return "IO";
        case CP_ERR_PARSE: return "PARSE";
        case CP_ERR_CONFIG: return "CONFIG";
        case CP_ERR_NOMEM: return "NOMEM";
        case CP_ERR_KAFKA: return "KAFKA";
        case CP_ERR_DELIVERY: return "DELIVERY";
        case CP_ERR_CLOSED: return "CLOSED";
        case CP_ERR_USAGE: return "USAGE";
        case CP_ERR_LIMIT: return "LIMIT";
        }
        return "UNKNOWN";
}
