from qlcore.service import main

from services.provenance.bootstrap import spec

main(spec)
