/* The smallest static program, for start-up time. */
int main(void)
{
	return 0;
}
