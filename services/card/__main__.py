from qlcore.service import main

from services.card.bootstrap import spec

main(spec)
