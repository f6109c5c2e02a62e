from qlcore.service import main

from services.ingest.bootstrap import spec

main(spec)
