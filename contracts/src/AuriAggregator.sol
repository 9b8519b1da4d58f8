// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice A price feed on our own chain for development, tests and the demo: Chainlink's
/// AggregatorV3Interface over a history of rounds that its owner writes. It emits NewRound and AnswerUpdated
/// as Chainlink's aggregators do, so indexers and our valuation engine find updates in the logs.
contract AuriAggregator is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt; // 0 while the round is started but not answered
        uint80 answeredInRound; // the round whose answer this one carries (its own once answered)
        bool exists;
    }

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    event OwnershipTransferred(address indexed from, address indexed to);

    uint8 public immutable override decimals;
    string public override description;
    uint256 public constant override version = 1;
    address public owner;
    uint80 public latestRound;
    uint80 public latestAnsweredRound;
    mapping(uint80 => Round) private rounds;

    modifier onlyOwner() {
        require(msg.sender == owner, "only the owner may update this feed");
        _;
    }

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        updateAnswer(initialAnswer);
    }

    function transferOwnership(address to) external onlyOwner {
        emit OwnershipTransferred(owner, to);
        owner = to;
    }

    /// @notice Starts and answers the next round at this block's time.
    function updateAnswer(int256 answer) public onlyOwner {
        uint80 id = latestRound + 1;
        _write(id, answer, block.timestamp, block.timestamp);
    }

    /// @notice Writes round `roundId` as given and makes it the latest: a `timestamp` of 0 leaves it started but
    /// not answered (it then carries the last answered round), an old one makes the feed stale.
    function updateRoundData(uint80 roundId, int256 answer, uint256 timestamp, uint256 startedAt)
        external
        onlyOwner
    {
        _write(roundId, answer, timestamp, startedAt);
    }

    function getRoundData(uint80 roundId)
        external
        view
        override
        returns (uint80, int256, uint256, uint256, uint80)
    {
        Round storage r = rounds[roundId];
        require(r.exists, "No data present");
        return (roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        Round storage r = rounds[latestRound];
        return (latestRound, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }

    function _write(uint80 id, int256 answer, uint256 timestamp, uint256 startedAt) private {
        uint80 answeredIn = timestamp == 0 ? latestAnsweredRound : id;
        rounds[id] = Round(answer, startedAt, timestamp, answeredIn, true);
        latestRound = id;
        emit NewRound(id, msg.sender, startedAt);
        if (timestamp != 0) {
            latestAnsweredRound = id;
            emit AnswerUpdated(answer, id, timestamp);
        }
    }
}
