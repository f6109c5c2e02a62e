from qlcore.service import main

from services.tlog.bootstrap import spec

main(spec)
