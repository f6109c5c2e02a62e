from qlcore.service import main

from services.leaderboard.bootstrap import spec

main(spec)
