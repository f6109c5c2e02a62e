from qlcore.service import main

from services.gateway.bootstrap import spec

main(spec)
