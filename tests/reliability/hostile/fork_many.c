// A hostile target for the reliability suite: makes N processes that wait to be killed, says how many it made
// (or how far it got before fork failed), then exits, or with "stay" waits too. The sandbox must end every one
// of them with the run: the exit of the sandbox's pid 1, its time limit or its cgroup.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long wanted = argc > 1 ? atol(argv[1]) : 10000;
    int stay = argc > 2 && strcmp(argv[2], "stay") == 0;
    long made = 0;
    for (; made < wanted; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            printf("forked %ld, then fork: %s\n", made, strerror(errno));
            break;
        }
        if (pid == 0)
            for (;;) pause();
    }
    if (made == wanted) printf("forked %ld\n", made);
    fflush(stdout);
    while (stay) pause();
    return 0;
}
