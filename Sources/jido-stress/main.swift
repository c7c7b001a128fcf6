import Glibc
import JidoStress

exit(StressCommand.main(Array(CommandLine.arguments.dropFirst())).rawValue)
