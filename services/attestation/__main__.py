from qlcore.service import main

from services.attestation.bootstrap import spec

main(spec)
