// RobotServerUnitTests
