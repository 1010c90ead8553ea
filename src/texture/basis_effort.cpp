// Encoder effort settings the Basis Universal bindings (basis-universal-sys 0.3.1) do not expose.
// Built by build.rs against that release's headers; called from basis.rs.
#include "basisu_comp.h"

// The bindings' parameter handle, as their encoding_wrapper.cpp defines it: one pointer to
// basisu's parameter block.
extern "C" {
struct CompressorParams {
    basisu::basis_compressor_params *pParams;
};

// ETC1S compression level (0 fastest to 5 slowest; basisu's default is 2) and UASTC RDO
// dictionary size in bytes (64 to 65536; basisu's default is 4096). Values are clamped by basisu.
void render_worker_basis_set_effort(CompressorParams *params, int etc1s_level, int rdo_dict_size) {
    params->pParams->m_compression_level = etc1s_level;
    params->pParams->m_rdo_uastc_dict_size = rdo_dict_size;
}
}
