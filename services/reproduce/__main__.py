from qlcore.service import main

from services.reproduce.bootstrap import spec

main(spec)
