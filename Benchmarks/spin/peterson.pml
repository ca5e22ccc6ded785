bool flag[2];
byte turn;
byte incs;
active [2] proctype P() {
  byte me = _pid;
  byte other = 1 - _pid;
again:
  atomic { flag[me] = true }
  atomic { turn = other }
  atomic { (flag[other] == false || turn == me) -> incs++ }
  atomic { assert(incs == 1); incs-- }
  atomic { flag[me] = false; goto again }
}
