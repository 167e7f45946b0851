#pragma once
// The whole command line of rwkvq: parses the arguments, runs the command, and returns the exit
// status (0 ok, 1 findings, 2 usage or input error). main.cpp's only call, kept out of it so that
// the CLI11 headers are compiled in one translation unit (CMakeLists.txt: UNITY_GROUP cli).
namespace rwkvq::cli {

int run(int argc, char** argv);

}  // namespace rwkvq::cli
